//! Freezes the SQLite mapping of FORMAT.md ("SQLite", worked example): the
//! associated data of a WAL frame image and of a journal image, a sealed
//! WAL image's trailer and first bytes (AEGIS-128L, fixed key and nonce),
//! SQLite's WAL checksum and the journal checksum shift. A change that
//! breaks this file is a format change.

use pageseal_core::{PageFormat, Portable, Suite};
use pageseal_sqlite::{journal_aad, sample_sum, wal_aad, wal_checksum};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn lines(b: &[u8]) -> String {
    b.chunks(32).map(hex).collect::<Vec<_>>().join("\n")
}

fn example() -> String {
    let file_id: [u8; 16] = core::array::from_fn(|i| 0xa0 + i as u8);
    let format = PageFormat::new(Suite::Aegis128L, 512, file_id).unwrap();
    let key: [u8; 16] = core::array::from_fn(|i| i as u8);
    let cipher = Portable::new(Suite::Aegis128L, &key).unwrap();
    // Frame 2 (index 1) of a WAL: database page 3, commit frame of a
    // 3-page database, salts 0x01020304 0x05060708.
    let mut header = [0u8; 24];
    header[..4].copy_from_slice(&3u32.to_be_bytes());
    header[4..8].copy_from_slice(&3u32.to_be_bytes());
    header[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let epoch = 1;
    let aad = wal_aad(&format, epoch, &header, 1);
    let mut image = vec![0u8; 512];
    image[..16].copy_from_slice(b"page three data!");
    let plain = image.clone();
    let mut nonce = |n: &mut [u8]| -> Result<(), pageseal_core::Error> {
        n.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = 0xc0 + i as u8);
        Ok(())
    };
    format
        .seal_bound(&cipher, epoch, &mut nonce, &aad, &mut image)
        .unwrap();
    let s0 = [0x11223344, 0x55667788];
    let s = wal_checksum(false, &header[..8], s0);
    let s = wal_checksum(false, &plain, s);
    let jaad = journal_aad(&format, epoch, 3, 0xdeadbeef, 516);
    let shift = sample_sum(&plain).wrapping_sub(sample_sum(&image));
    format!(
        "wal aad ({} bytes):\n{}\nwal image trailer (epoch | nonce | tag):\n{}\nwal image first 16 bytes:\n{}\n\
         wal checksum after the frame (LE words, from {:08x} {:08x}): {:08x} {:08x}\n\
         journal aad ({} bytes):\n{}\njournal checksum shift (sum plain - sum sealed): {:08x}\n",
        aad.len(),
        lines(&aad),
        hex(&image[512 - 36..]),
        hex(&image[..16]),
        s0[0],
        s0[1],
        s[0],
        s[1],
        jaad.len(),
        lines(&jaad),
        shift
    )
}

#[test]
fn sqlite_mapping_golden() {
    let got = example();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sqlite-golden.txt");
    if std::env::var_os("PAGESEAL_BLESS").is_some() {
        std::fs::write(path, &got).unwrap();
    }
    let want = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        got, want,
        "the SQLite mapping changed (FORMAT.md worked example)"
    );
}
