//! The golden flash image freezes the on-flash format (FORMAT.md, "Sealed
//! records on NOR flash"): `tests/data/golden/flash-aes-128-gcm.bin` must
//! open with today's code to its known records, rebuilding it with the same
//! steps must give the same bytes, and a reader written from FORMAT.md
//! alone (below, with the AES-128-GCM primitive only) must open slot 0.
//!
//! Regenerate after a deliberate format change:
//! `PAGESEAL_BLESS=1 cargo test -p pageseal-flash --test golden`.

use std::path::PathBuf;

use pageseal_core::{Aead, Aes128Gcm, Portable, Suite};
use pageseal_flash::mock::MockFlash;
use pageseal_flash::{Config, FlashStore, NoRng, Nonces};

/// 2 sectors of 512 bytes, 4-byte words.
type Flash = MockFlash<1024, 4, 512>;
type Store = FlashStore<Flash, Portable, NoRng, 128>;

const KEY: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const CONFIG: Config = Config {
    offset: 0,
    sectors: 2,
    max_records: 2,
};
const RECORDS: [(u32, &[u8]); 3] = [
    (1, b"pageseal flash golden record 1"),
    (2, b"boot count: 1"),
    (2, b"boot count: 2"),
];

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/golden/flash-aes-128-gcm.bin")
}

fn build() -> Vec<u8> {
    let cipher = Portable::new(Suite::Aes128Gcm, &KEY).unwrap();
    let mut store = Store::format(Flash::new(), cipher, Nonces::sequence(), CONFIG).unwrap();
    for (id, value) in RECORDS {
        store.write(id, value).unwrap();
    }
    store.into_flash().as_bytes().to_vec()
}

#[test]
fn the_golden_image_opens_and_is_rebuilt_byte_for_byte() {
    let rebuilt = build();
    if std::env::var_os("PAGESEAL_BLESS").is_some() {
        std::fs::write(path(), &rebuilt).unwrap();
    }
    let golden = std::fs::read(path()).expect("golden image");
    assert_eq!(golden, rebuilt, "the on-flash format changed");

    let cipher = Portable::new(Suite::Aes128Gcm, &KEY).unwrap();
    let mut store = Store::open(
        Flash::from_image(&golden),
        cipher,
        Nonces::sequence(),
        CONFIG,
    )
    .unwrap();
    let mut out = [0u8; 64];
    let n = store.read(1, &mut out).unwrap().unwrap();
    assert_eq!(&out[..n], RECORDS[0].1);
    let n = store.read(2, &mut out).unwrap().unwrap();
    assert_eq!(&out[..n], RECORDS[2].1, "the newest copy wins");
    assert_eq!(store.seals(), 3);
}

/// Opens slot `index` of the image exactly as FORMAT.md describes.
fn open_from_the_spec(image: &[u8], index: usize) -> (u32, u64, Vec<u8>) {
    let slot = &image[index * 128..(index + 1) * 128];
    let header: [u8; 16] = slot[..16].try_into().unwrap();
    // Committed: the last 16 bytes (unit = max(16, 1, 4)) are the complement.
    assert!(slot[112..].iter().zip(&header).all(|(m, h)| m ^ h == 0xFF));
    assert_eq!((header[0], header[1]), (1, Suite::Aes128Gcm.id()));
    let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
    let id = u32::from_le_bytes(header[4..8].try_into().unwrap());
    let seq = u64::from_le_bytes(header[8..16].try_into().unwrap());
    let nonce = &slot[16..28];
    // Sequence nonces: LE64(seq) ‖ LE32(slot index).
    assert_eq!(nonce[..8], seq.to_le_bytes());
    assert_eq!(nonce[8..12], (index as u32).to_le_bytes());
    let mut aad = b"psflash1".to_vec();
    aad.extend_from_slice(&header);
    let mut value = slot[28..28 + len].to_vec();
    let tag = slot[28 + len..28 + len + 16].try_into().unwrap();
    Aes128Gcm::new(&KEY)
        .unwrap()
        .open_detached(nonce, &aad, &mut value, &tag)
        .unwrap();
    (id, seq, value)
}

#[test]
fn a_reader_written_from_format_md_opens_every_slot() {
    let golden = std::fs::read(path()).expect("golden image");
    for (index, (id, value)) in RECORDS.iter().enumerate() {
        assert_eq!(
            open_from_the_spec(&golden, index),
            (*id, index as u64 + 1, value.to_vec())
        );
    }
    // The fourth slot of sector 0 and all of sector 1 are erased.
    assert!(golden[384..].iter().all(|&b| b == 0xFF));
}
