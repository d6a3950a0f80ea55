//! Cross-endian check of the page format, run by `cross/s390x.sh`.
//!
//! `seal OUT` seals, deterministically (fixed keys, file id and nonces), one
//! page of every suite at every page size from 512 to 65536 and writes them
//! all to OUT. `open IN` opens every page of such a file and checks the
//! payload. The script seals on the little-endian host and on big-endian
//! s390x, requires the two files to be identical byte for byte, and opens
//! each machine's file on the other: a byte-order slip anywhere in the page
//! layout or its associated data fails one of the three.

use std::process::ExitCode;

use pageseal_core::{EpochCipher, Error, PageFormat, Portable, Suite};

const FILE_ID: [u8; 16] = *b"endian-check-fid";
const EPOCH: u32 = 0x0102_0304;

fn sizes() -> impl Iterator<Item = usize> {
    (9..=16).map(|log| 1usize << log)
}

/// Page number used for a suite and size: large enough that all eight bytes
/// of the u64 matter.
fn page_no(suite: Suite, size: usize) -> u64 {
    0x0a0b_0c0d_0e0f_1011 ^ (u64::from(suite.id()) << 56) ^ size as u64
}

fn keys(suite: Suite) -> Result<EpochCipher<Portable>, Error> {
    let key: Vec<u8> = (0..suite.key_len()).map(|i| (i * 7 + 1) as u8).collect();
    Ok(EpochCipher {
        epoch: if suite.is_keyed() { EPOCH } else { 0 },
        cipher: Portable::new(suite, &key)?,
    })
}

fn payload(len: usize, suite: Suite) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2654435761).to_le_bytes()[0] ^ suite.id())
        .collect()
}

fn seal_all() -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for suite in Suite::ALL {
        let keys = keys(suite)?;
        for size in sizes() {
            let format = PageFormat::new(suite, size, FILE_ID)?;
            let mut page = vec![0u8; size];
            let len = format.payload_len();
            page[..len].copy_from_slice(&payload(len, suite));
            let mut n = 0u8;
            let mut nonces = |b: &mut [u8]| -> Result<(), Error> {
                n = n.wrapping_add(1);
                for (i, x) in b.iter_mut().enumerate() {
                    *x = n ^ (i as u8).wrapping_mul(13);
                }
                Ok(())
            };
            format.seal(
                &keys.cipher,
                keys.epoch,
                &mut nonces,
                page_no(suite, size),
                &mut page,
            )?;
            out.extend_from_slice(&page);
        }
    }
    Ok(out)
}

fn open_all(data: &[u8]) -> Result<usize, String> {
    let mut at = 0;
    let mut pages = 0;
    for suite in Suite::ALL {
        let keys = keys(suite).map_err(|e| e.to_string())?;
        for size in sizes() {
            let format = PageFormat::new(suite, size, FILE_ID).map_err(|e| e.to_string())?;
            let page = data
                .get(at..at + size)
                .ok_or_else(|| format!("file too short for {suite} {size}"))?;
            let mut page = page.to_vec();
            format
                .open(&keys, page_no(suite, size), &mut page)
                .map_err(|e| format!("{suite} page size {size}: {e}"))?;
            let len = format.payload_len();
            if page[..len] != payload(len, suite)[..] {
                return Err(format!("{suite} page size {size}: wrong payload"));
            }
            at += size;
            pages += 1;
        }
    }
    if at != data.len() {
        return Err("trailing bytes".into());
    }
    Ok(pages)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let endian = if cfg!(target_endian = "big") {
        "big"
    } else {
        "little"
    };
    let result = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("seal"), Some(path)) => seal_all().map_err(|e| e.to_string()).and_then(|bytes| {
            std::fs::write(path, &bytes).map_err(|e| format!("{path}: {e}"))?;
            Ok(format!("sealed {} bytes of pages into {path}", bytes.len()))
        }),
        (Some("open"), Some(path)) => std::fs::read(path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|bytes| open_all(&bytes))
            .map(|n| format!("opened all {n} pages of {path}")),
        _ => Err("usage: pageseal-endian-check seal|open FILE".into()),
    };
    match result {
        Ok(msg) => {
            println!("{} ({}-endian): {msg}", std::env::consts::ARCH, endian);
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!(
                "{} ({}-endian): FAILED: {msg}",
                std::env::consts::ARCH,
                endian
            );
            ExitCode::FAILURE
        }
    }
}
