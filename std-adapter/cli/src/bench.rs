//! `pageseal bench`: page seal and open speed per suite, backend and page
//! size, the way `openssl speed` or `cryptsetup benchmark` report a
//! machine. Memory only: no storage I/O is timed.
//!
//! For each case three figures are measured in alternating rounds:
//! `seal_mb_s`, the end-to-end seal a page file does (the key session's
//! seal permit plus a nonce from the real generator, `FastRandom`);
//! `kernel_seal_mb_s`, the same seal with a fixed nonce (the kernel alone);
//! `open_mb_s`, which includes restoring the sealed page before each open
//! (a memory copy of one page). Each is the median of `--repeats` rounds,
//! with the spread (max − min, in % of the median).

use std::time::{Duration, Instant};

use pageseal::core::{
    Error as CoreError, Grant, KdfBlock, KdfParams, Lease, MAX_PAGE_SIZE, MIN_PAGE_SIZE,
    PageFormat, RawKey, Secret, Session, Suite, kdf,
};
use pageseal::{Ciphers, Error, FastRandom, HeapKdf};
use pageseal_dispatch::{Backend, Cpu, available_backends, backend_for};
use serde_json::{Value, json};

type Result<T> = pageseal::Result<T>;

/// The most threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;

/// What to measure.
pub struct Plan {
    /// Suites.
    pub suites: Vec<Suite>,
    /// Page sizes.
    pub page_sizes: Vec<usize>,
    /// `auto`, `all` or a backend name.
    pub backend: String,
    /// Seconds per case (all rounds and figures together).
    pub seconds: f64,
    /// Rounds per figure.
    pub repeats: usize,
    /// Threads sealing at once (each its own session).
    pub threads: usize,
}

impl Plan {
    /// Checks and parses the command-line values.
    pub fn parse(
        cipher: &str,
        page_sizes: &str,
        backend: &str,
        seconds: f64,
        repeats: usize,
        threads: usize,
    ) -> Result<Plan> {
        if !(seconds > 0.0 && seconds <= 600.0) {
            return Err(Error::Argument(format!(
                "--seconds must be more than 0 and at most 600, got {seconds}"
            )));
        }
        if !(1..=99).contains(&repeats) {
            return Err(Error::Argument(format!(
                "--repeats must be 1 to 99, got {repeats}"
            )));
        }
        if !(1..=MAX_THREADS).contains(&threads) {
            return Err(Error::Argument(format!(
                "--threads must be 1 to {MAX_THREADS}, got {threads}"
            )));
        }
        let suites = if cipher.eq_ignore_ascii_case("all") {
            Suite::ALL.to_vec()
        } else {
            vec![
                Suite::from_name(cipher)
                    .map_err(|_| Error::Argument(format!("unknown --cipher {cipher:?}")))?,
            ]
        };
        let page_sizes = if page_sizes.eq_ignore_ascii_case("all") {
            (MIN_PAGE_SIZE.trailing_zeros()..=MAX_PAGE_SIZE.trailing_zeros())
                .map(|b| 1usize << b)
                .collect()
        } else {
            page_sizes
                .split(',')
                .map(|s| {
                    let size: usize = s.trim().parse().map_err(|_| {
                        Error::Argument(format!(
                            "--page-size: {s:?} is not a number (use e.g. 512,4096,65536 or all)"
                        ))
                    })?;
                    pageseal::core::check_page_size(size).map_err(Error::from)?;
                    Ok(size)
                })
                .collect::<Result<Vec<usize>>>()?
        };
        Ok(Plan {
            suites,
            page_sizes,
            backend: backend.to_string(),
            seconds,
            repeats,
            threads,
        })
    }
}

/// Runs the benchmark and prints a table or JSON.
pub fn run(plan: &Plan, as_json: bool) -> Result<u8> {
    let cpu = Cpu::detect();
    let features: Vec<&str> = cpu.features().map(|f| f.name()).collect();
    let target = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
    let argon_ms = argon2id_ms()?;
    let mut rows = Vec::new();
    for &suite in &plan.suites {
        let backends: Vec<Backend> = match plan.backend.as_str() {
            "auto" => vec![backend_for(suite)],
            "all" => available_backends(suite).collect(),
            name => vec![Backend::from_name(name)?],
        };
        for backend in backends {
            for &page_size in &plan.page_sizes {
                rows.push(case(plan, suite, backend, page_size)?);
            }
        }
    }
    let note = "memory only: no storage I/O; MB = 10^6 bytes of payload";
    if as_json {
        say!(
            "{:#}",
            json!({
                "version": env!("CARGO_PKG_VERSION"), "target": target,
                "arch": std::env::consts::ARCH, "features": features,
                "threads": plan.threads, "repeats": plan.repeats,
                "argon2id_default_ms": argon_ms, "note": note, "results": rows,
            })
        );
        return Ok(0);
    }
    say!(
        "pageseal {} bench on {target}; CPU features: {}",
        env!("CARGO_PKG_VERSION"),
        if features.is_empty() {
            "none".to_string()
        } else {
            features.join(" ")
        }
    );
    say!(
        "{note}; {} thread(s), median of {} rounds (spread = max-min in % of it)",
        plan.threads,
        plan.repeats
    );
    say!(
        "Argon2id at the default cost (64 MiB, 3 passes, 1 lane): {argon_ms:.0} ms per derivation"
    );
    say!(
        "{:<18} {:<9} {:>6} {:>11} {:>6} {:>11} {:>11} {:>12}",
        "suite",
        "backend",
        "page",
        "seal MB/s",
        "+-%",
        "kernel MB/s",
        "open MB/s",
        "seals/s"
    );
    for r in &rows {
        say!(
            "{:<18} {:<9} {:>6} {:>11.1} {:>6.1} {:>11.1} {:>11.1} {:>12.0}",
            r["suite"].as_str().unwrap_or(""),
            r["backend"].as_str().unwrap_or(""),
            r["page_size"].as_u64().unwrap_or(0),
            r["seal_mb_s"].as_f64().unwrap_or(0.0),
            r["seal_spread_pct"].as_f64().unwrap_or(0.0),
            r["kernel_seal_mb_s"].as_f64().unwrap_or(0.0),
            r["open_mb_s"].as_f64().unwrap_or(0.0),
            r["seal_ops_s"].as_f64().unwrap_or(0.0),
        );
    }
    Ok(0)
}

/// One suite, backend and page size: every thread measures on its own
/// session; the rates add up.
fn case(plan: &Plan, suite: Suite, backend: Backend, page_size: usize) -> Result<Value> {
    let round = Duration::from_secs_f64(plan.seconds / (3 * plan.repeats) as f64);
    let per_thread: Vec<Result<[Vec<f64>; 3]>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..plan.threads)
            .map(|_| scope.spawn(|| measure(suite, backend, page_size, round, plan.repeats)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(Error::Argument("a bench thread failed".into())))
            })
            .collect()
    });
    let mut sums = [
        vec![0.0; plan.repeats],
        vec![0.0; plan.repeats],
        vec![0.0; plan.repeats],
    ];
    for rates in per_thread {
        let rates = rates?;
        for (sum, rate) in sums.iter_mut().zip(rates) {
            sum.iter_mut().zip(rate).for_each(|(s, r)| *s += r);
        }
    }
    let [seal, kernel, open] = sums.map(|v| stats(&v));
    let payload = (page_size - pageseal::core::trailer_len(suite)) as f64;
    Ok(json!({
        "suite": suite.name(), "backend": backend.name(), "page_size": page_size,
        "seal_mb_s": round1(seal.0), "seal_spread_pct": round1(seal.1),
        "kernel_seal_mb_s": round1(kernel.0), "kernel_seal_spread_pct": round1(kernel.1),
        "open_mb_s": round1(open.0), "open_spread_pct": round1(open.1),
        "seal_ops_s": (seal.0 * 1e6 / payload).round(),
        "open_ops_s": (open.0 * 1e6 / payload).round(),
    }))
}

/// Median and spread (max − min, % of the median).
fn stats(values: &[f64]) -> (f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let median = v[v.len() / 2];
    let spread = (v[v.len() - 1] - v[0]) / median.max(f64::MIN_POSITIVE) * 100.0;
    (median, spread)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `repeats` rounds of end-to-end seal, kernel seal and open, in MB/s.
fn measure(
    suite: Suite,
    backend: Backend,
    page_size: usize,
    round: Duration,
    repeats: usize,
) -> Result<[Vec<f64>; 3]> {
    let key = RawKey::new([0x42; 32]);
    let secret = Secret::RawKey(&key);
    let mut session = Session::create(
        Ciphers::new(Some(backend)),
        suite,
        page_size,
        [9; 16],
        suite.is_keyed().then_some((&secret, &KdfParams::DEFAULT)),
        &mut FastRandom,
        &mut HeapKdf::default(),
    )?;
    let format: PageFormat = *session.format();
    let payload = format.payload_len() as f64;
    let mut lease = Lease::EMPTY;
    let mut page = vec![0x5au8; page_size];
    let mut fixed = |n: &mut [u8]| -> std::result::Result<(), CoreError> {
        n.fill(7);
        Ok(())
    };
    let mut out = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..repeats {
        out[0].push(rate(round, payload, || {
            let permit = loop {
                if let Some(p) = lease.take(&session) {
                    break p;
                }
                match session.lease(1024, &mut FastRandom)? {
                    Grant::Ready(new) => lease = new,
                    // The header is "persisted" in memory: no I/O is timed.
                    Grant::Persist => {
                        let update = session.header_update()?;
                        session.persisted(&update);
                    }
                }
            };
            session.seal(permit, &mut FastRandom, 7, &mut page)?;
            Ok(())
        })?);
        let cipher = session.current_cipher().ok_or(CoreError::KeyRequired)?;
        let epoch = session.current_epoch();
        out[1].push(rate(round, payload, || {
            format.seal(cipher, epoch, &mut fixed, 7, &mut page)?;
            Ok(())
        })?);
        let sealed = page.clone();
        out[2].push(rate(round, payload, || {
            page.copy_from_slice(&sealed);
            session.open(7, &mut page)?;
            Ok(())
        })?);
    }
    Ok(out)
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

/// Milliseconds of one Argon2id derivation at pageseal's default cost.
fn argon2id_ms() -> Result<f64> {
    let params = KdfParams::DEFAULT;
    let mut work = vec![KdfBlock::default(); params.blocks_needed()];
    let start = Instant::now();
    let mut out = kdf::argon2id(b"pageseal bench", &[1; 32], &params, &mut work)?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    zeroize::Zeroize::zeroize(&mut out);
    Ok((ms * 10.0).round() / 10.0)
}
