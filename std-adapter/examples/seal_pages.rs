//! Seals a small text as 4 KiB pages with every suite, opens it again, and
//! shows that a tampered page, a moved page and a wrong key are caught.
//!
//! Run: `cargo run --release -p pageseal --example seal_pages [FILE]`
//! (without FILE it seals its own source code).
//! Keys here are random and thrown away; the real CLI keeps them in a header.

use std::process::ExitCode;

use pageseal::{OsRandom, fill_random, random_file_id};
use pageseal_core::{Aead, EpochCipher, Error, PageFormat, Portable, Suite};

const PAGE_SIZE: usize = 4096;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("seal_pages: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| file!().to_string());
    let text = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    println!("input: {path}, {} bytes, page size {PAGE_SIZE}", text.len());
    for suite in Suite::ALL {
        demo(suite, &text).map_err(|e| format!("{suite}: {e}"))?;
    }
    Ok(())
}

fn demo(suite: Suite, text: &[u8]) -> Result<(), Error> {
    let format = PageFormat::new(suite, PAGE_SIZE, random_file_id()?)?;
    let mut key = vec![0u8; suite.key_len()];
    fill_random(&mut key)?;
    // Checksum pages carry no key epoch: they are always epoch 0.
    let epoch = if suite.is_keyed() { 1 } else { 0 };
    let keys = EpochCipher {
        epoch,
        cipher: Portable::new(suite, &key)?,
    };

    let chunks: Vec<&[u8]> = text.chunks(format.payload_len()).collect();
    let mut pages = vec![vec![0u8; PAGE_SIZE]; chunks.len()];
    for (no, (page, chunk)) in pages.iter_mut().zip(&chunks).enumerate() {
        page[..chunk.len()].copy_from_slice(chunk);
        format.seal(&keys.cipher, epoch, &mut OsRandom, no as u64, page)?;
    }

    let mut opened = pages.clone();
    for (no, page) in opened.iter_mut().enumerate() {
        format.open(&keys, no as u64, page)?;
    }
    let round_trip = opened
        .iter()
        .zip(&chunks)
        .all(|(page, chunk)| &page[..chunk.len()] == *chunk);

    let mut tampered = pages[0].clone();
    tampered[10] ^= 0x01;
    let tamper = format.open(&keys, 0, &mut tampered);

    let mut moved = pages[0].clone();
    let move_result = format.open(&keys, 1, &mut moved);

    let wrong_key = if suite.is_keyed() {
        let mut other = key.clone();
        other[0] ^= 1;
        let wrong = EpochCipher {
            epoch,
            cipher: Portable::new(suite, &other)?,
        };
        let mut page = pages[0].clone();
        describe(format.open(&wrong, 0, &mut page))
    } else {
        "n/a (keyless)".to_string()
    };

    if suite == Suite::Aes128Gcm {
        println!("errors read, e.g.: {}", tamper.unwrap_err());
        println!(
            "{:<18} {:>5} {:>7} {:>7}  {:<10} {:<9} {:<10} wrong key",
            "suite", "pages", "payload", "trailer", "round trip", "bit flip", "moved"
        );
    }
    println!(
        "{:<18} {:>5} {:>7} {:>7}  {:<10} {:<9} {:<10} {}",
        keys.cipher.suite().name(),
        pages.len(),
        format.payload_len(),
        format.trailer_len(),
        if round_trip { "ok" } else { "MISMATCH" },
        describe(tamper),
        describe(move_result),
        wrong_key,
    );
    if !round_trip || tamper.is_ok() || move_result.is_ok() {
        return Err(Error::Authentication);
    }
    Ok(())
}

fn describe(result: Result<(), Error>) -> String {
    match result {
        Ok(()) => "ACCEPTED".to_string(),
        Err(_) => "rejected".to_string(),
    }
}
