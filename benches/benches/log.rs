//! `SealedLog` append throughput against appending the same bytes unsealed
//! to a plain file (one `write` per record, and through a 64 KiB buffer as
//! the sealed log gathers records), all synced every 1 MiB, for records of
//! 100 B, 1 KiB and 16 KiB (issue 14). Rounds alternate between the sides,
//! each appending 8 MiB of records to a new file in the system's temporary
//! directory; the best and the median round of each side are reported.
//!
//! `cargo bench -p pageseal-benches --bench log [-- ROUNDS]` (default 9).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pageseal::core::{RawKey, Secret};
use pageseal::{KeyRing, KeyRingOptions, LogOptions, SealedLog};
use pageseal_dispatch::recommended_suite;

const ROUND_BYTES: usize = 8 << 20;
const SYNC_EVERY: usize = 1 << 20;

fn record(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 % 251) as u8).collect()
}

/// Appends `ROUND_BYTES` of `rec` to a new sealed log, syncing every MiB.
fn sealed(dir: &Path, ring: &Arc<KeyRing>, rec: &[u8]) -> Duration {
    let path = dir.join("sealed.log");
    let _ = std::fs::remove_file(&path);
    let start = Instant::now();
    let log = SealedLog::create(&path, ring.clone(), LogOptions::default()).unwrap();
    let mut since_sync = 0;
    for _ in 0..ROUND_BYTES / rec.len() {
        log.append(rec).unwrap();
        since_sync += rec.len();
        if since_sync >= SYNC_EVERY {
            log.sync().unwrap();
            since_sync = 0;
        }
    }
    log.sync().unwrap();
    let t = start.elapsed();
    drop(log);
    std::fs::remove_file(&path).unwrap();
    t
}

/// The same records written unsealed to a plain file, synced every MiB:
/// one `write` per record, or (`buffered`) through a 64 KiB buffer as the
/// sealed log gathers them.
fn plain(dir: &Path, rec: &[u8], buffered: bool) -> Duration {
    let path = dir.join("plain.log");
    let _ = std::fs::remove_file(&path);
    let start = Instant::now();
    let file = File::create(&path).unwrap();
    let capacity = if buffered { 64 << 10 } else { 0 };
    let mut out = BufWriter::with_capacity(capacity, file);
    let mut since_sync = 0;
    for _ in 0..ROUND_BYTES / rec.len() {
        out.write_all(rec).unwrap();
        since_sync += rec.len();
        if since_sync >= SYNC_EVERY {
            out.flush().unwrap();
            out.get_ref().sync_data().unwrap();
            since_sync = 0;
        }
    }
    out.flush().unwrap();
    out.get_ref().sync_data().unwrap();
    let t = start.elapsed();
    drop(out);
    std::fs::remove_file(&path).unwrap();
    t
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rounds = pageseal_benches::rounds_arg("log", 9);
    let dir = tempfile_dir();
    let key = RawKey::new([7; 32]);
    let options = KeyRingOptions {
        suite: recommended_suite(),
        ..KeyRingOptions::default()
    };
    let ring =
        Arc::new(KeyRing::create(&dir.join("ring"), &Secret::RawKey(&key), &options).unwrap());
    println!(
        "SealedLog append, {} under {}, 8 MiB per round synced every 1 MiB, {rounds} rounds, in {}",
        ring.suite(),
        std::env::consts::ARCH,
        dir.display()
    );
    println!();
    println!(
        "| record | sealed MB/s (best, median) | plain, write per record | plain, 64 KiB buffer | ratio vs write per record (best, median) | ratio vs buffered (best, median) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for len in [100, 1024, 16384] {
        let rec = record(len);
        let (mut s, mut p, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            s.push(sealed(&dir, &ring, &rec));
            p.push(plain(&dir, &rec, false));
            b.push(plain(&dir, &rec, true));
        }
        let mb = |t: Duration| ROUND_BYTES as f64 / t.as_secs_f64() / 1e6;
        let best = |v: &[Duration]| *v.iter().min().unwrap();
        let (sb, pb, bb) = (best(&s), best(&p), best(&b));
        let (sm, pm, bm) = (median(s), median(p), median(b));
        let r = |peer: Duration, ours: Duration| peer.as_secs_f64() / ours.as_secs_f64();
        println!(
            "| {len} B | {:.0}, {:.0} | {:.0}, {:.0} | {:.0}, {:.0} | {:.3}×, {:.3}× | {:.3}×, {:.3}× |",
            mb(sb),
            mb(sm),
            mb(pb),
            mb(pm),
            mb(bb),
            mb(bm),
            r(pb, sb),
            r(pm, sm),
            r(bb, sb),
            r(bm, sm)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pageseal-log-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
