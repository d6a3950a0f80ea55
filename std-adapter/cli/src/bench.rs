//! `pageseal bench`: MB/s of page seal and open per suite and backend.

use std::time::{Duration, Instant};

use pageseal::core::{EpochCipher, PageFormat, Suite};
use pageseal::{Error, OsRandom};
use pageseal_dispatch::{Backend, Cipher, available_backends, backend_for};
use serde_json::json;

type Result<T> = pageseal::Result<T>;

/// Runs the benchmark and prints a table or JSON.
pub fn run(
    cipher: &str,
    page_size: usize,
    backend: &str,
    seconds: f64,
    as_json: bool,
) -> Result<u8> {
    pageseal::core::check_page_size(page_size).map_err(Error::Invalid)?;
    if !(seconds > 0.0 && seconds <= 60.0) {
        return Err(Error::Argument(format!(
            "--seconds must be between 0 and 60, got {seconds}"
        )));
    }
    let suites: Vec<Suite> = if cipher.eq_ignore_ascii_case("all") {
        Suite::ALL.to_vec()
    } else {
        vec![
            Suite::from_name(cipher)
                .map_err(|_| Error::Argument(format!("unknown --cipher {cipher:?}")))?,
        ]
    };
    let mut rows = Vec::new();
    for suite in suites {
        let backends: Vec<Backend> = match backend {
            "auto" => vec![backend_for(suite)],
            "all" => available_backends(suite).collect(),
            name => vec![Backend::from_name(name)?],
        };
        for b in backends {
            let (seal, open) = measure(suite, b, page_size, Duration::from_secs_f64(seconds))?;
            rows.push(
                json!({"suite": suite.name(), "backend": b.name(), "page_size": page_size,
                "seal_mb_s": round(seal), "open_mb_s": round(open)}),
            );
        }
    }
    if as_json {
        say!(
            "{:#}",
            json!({"arch": std::env::consts::ARCH, "results": rows})
        );
    } else {
        say!(
            "{:<18} {:<9} {:>9} {:>12} {:>12}",
            "suite",
            "backend",
            "page",
            "seal MB/s",
            "open MB/s"
        );
        for r in &rows {
            say!(
                "{:<18} {:<9} {:>9} {:>12.1} {:>12.1}",
                r["suite"].as_str().unwrap_or(""),
                r["backend"].as_str().unwrap_or(""),
                r["page_size"].as_u64().unwrap_or(0),
                r["seal_mb_s"].as_f64().unwrap_or(0.0),
                r["open_mb_s"].as_f64().unwrap_or(0.0),
            );
        }
    }
    Ok(0)
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Seal and open throughput in MB/s (payload bytes, 10^6 per MB).
fn measure(suite: Suite, backend: Backend, page_size: usize, time: Duration) -> Result<(f64, f64)> {
    let key = vec![0x42u8; suite.key_len()];
    let keys = EpochCipher {
        epoch: 1,
        cipher: Cipher::with_backend(suite, &key, backend)?,
    };
    let format = PageFormat::new(suite, page_size, [9; 16]).map_err(Error::Invalid)?;
    let epoch = if suite.is_keyed() { 1 } else { 0 };
    let keys = EpochCipher { epoch, ..keys };
    let mut page = vec![0x5au8; page_size];
    let payload = format.payload_len() as f64;
    let seal = rate(time, payload, || {
        format
            .seal(&keys.cipher, epoch, &mut OsRandom, 7, &mut page)
            .map_err(Error::Invalid)
    })?;
    let sealed = page.clone();
    let open = rate(time, payload, || {
        page.copy_from_slice(&sealed);
        format.open(&keys, 7, &mut page).map_err(Error::Invalid)
    })?;
    Ok((seal, open))
}

fn rate(time: Duration, bytes: f64, mut op: impl FnMut() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < time {
        for _ in 0..16 {
            op()?;
        }
        n += 16;
    }
    Ok(n as f64 * bytes / start.elapsed().as_secs_f64() / 1e6)
}
