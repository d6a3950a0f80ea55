//! An LMDB workload through heed3, unencrypted and encrypted with
//! RustCrypto `chacha20poly1305` 0.10 (heed3's own example) and with
//! pageseal's types, in one run; then what `KeyInit::new` costs per suite
//! (heed3 keys a new cipher for every page it encrypts or decrypts).
//!
//! Workload, per configuration: `RECORDS` puts of 100-byte values under
//! 8-byte keys in random order, 10 000 per write transaction; then
//! `RECORDS` random gets, 10 000 per read transaction; then a full scan.
//! `MDB_NOSYNC`, so the times are the CPU's (B-tree, copies, encryption),
//! not the disk's. Each round runs every configuration once, in rotating
//! order; each phase keeps its best round. Printed: seconds per phase and
//! each encrypted/unencrypted ratio.
//!
//! Run: `cargo bench -p pageseal-lmdb-tests --bench lmdb [-- RECORDS [ROUNDS [BATCH]]]`
//! (default 300 000 records, 3 rounds, 10 000 records per transaction).
//!
//! Why 300 000 and not a million: LMDB's encrypted mode (heed3 0.23.1,
//! `lmdb-master3-sys` 0.2.6) breaks on larger runs whatever the cipher —
//! with RustCrypto's `chacha20poly1305` 0.10, 1 000 000 puts in batches of
//! 10 000 end in `MDB_CURSOR_FULL`, in batches of 1 000 in `MDB_PROBLEM`,
//! and 500 000 puts leave most gets finding nothing, without an error —
//! while the unencrypted runs pass. The workload asserts that every get and
//! the scan find every record, so a run that completes measured a correct
//! database.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aead05::{AeadInPlace, AeadMutInPlace, KeyInit};
use pageseal_lmdb_tests::Durability::NoSync;
use pageseal_lmdb_tests::{
    encrypted_db, open_encrypted, open_plain, plain_db, record_key, record_value,
};

/// Records per transaction, unless the command line says otherwise.
const BATCH: u64 = 10_000;

/// The size of a run: records in all, and records per transaction.
#[derive(Clone, Copy)]
struct Size {
    records: u64,
    batch: u64,
}

/// Times of one run of the workload.
#[derive(Clone, Copy)]
struct Times {
    put: Duration,
    get: Duration,
    scan: Duration,
}

impl Times {
    fn total(&self) -> Duration {
        self.put + self.get + self.scan
    }

    /// The best of each phase of `self` and `other`.
    fn best(self, other: Times) -> Times {
        Times {
            put: self.put.min(other.put),
            get: self.get.min(other.get),
            scan: self.scan.min(other.scan),
        }
    }
}

/// The `i`-th pseudo-random record index below `records` (splitmix64).
fn random_index(i: u64, records: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % records
}

/// Runs the workload on one database. The three closures put a batch of
/// records, get a batch of records, and scan everything (returning how
/// many records they saw), each in its own transaction.
fn workload(
    Size { records, batch }: Size,
    mut put: impl FnMut(std::ops::Range<u64>),
    mut get: impl FnMut(&mut dyn Iterator<Item = u64>) -> u64,
    mut scan: impl FnMut() -> u64,
) -> Times {
    let start = Instant::now();
    for first in (0..records).step_by(batch as usize) {
        put(first..(first + batch).min(records));
    }
    let put_time = start.elapsed();

    let start = Instant::now();
    let mut found = 0;
    for first in (0..records).step_by(batch as usize) {
        let last = (first + batch).min(records);
        found += get(&mut (first..last).map(|i| random_index(i, records)));
    }
    let get_time = start.elapsed();
    assert_eq!(found, records, "every get finds its record");

    let start = Instant::now();
    assert_eq!(scan(), records, "the scan sees every record");
    Times {
        put: put_time,
        get: get_time,
        scan: start.elapsed(),
    }
}

/// The workload on an unencrypted environment.
fn plain(size: Size) -> Times {
    let dir = tempfile::tempdir().expect("scratch directory");
    let env = open_plain(dir.path(), NoSync).expect("open");
    let db = plain_db(&env).expect("database");
    let times = workload(
        size,
        |range| {
            let mut wtxn = env.write_txn().expect("write txn");
            for i in range {
                db.put(&mut wtxn, &record_key(i), &record_value(i, 0))
                    .expect("put");
            }
            wtxn.commit().expect("commit");
        },
        |indices| {
            let rtxn = env.read_txn().expect("read txn");
            let found = indices.filter(|&i| {
                let value = db.get(&rtxn, &record_key(i)).expect("get");
                black_box(value).is_some_and(|v| v.len() == 100)
            });
            found.count() as u64
        },
        || {
            let rtxn = env.read_txn().expect("read txn");
            let iter = db.iter(&rtxn).expect("iter");
            iter.fold(0, |n, entry| {
                black_box(entry.expect("entry").1.len());
                n + 1
            })
        },
    );
    env.prepare_for_closing().wait();
    times
}

/// The workload on an environment encrypted with `E`.
fn encrypted<E: AeadMutInPlace + KeyInit>(size: Size) -> Times {
    let dir = tempfile::tempdir().expect("scratch directory");
    let key = vec![0x11; E::key_size()];
    let env = open_encrypted::<E>(dir.path(), &key, NoSync).expect("open");
    let db = encrypted_db(&env).expect("database");
    let times = workload(
        size,
        |range| {
            let mut wtxn = env.write_txn().expect("write txn");
            for i in range {
                db.put(&mut wtxn, &record_key(i), &record_value(i, 0))
                    .expect("put");
            }
            wtxn.commit().expect("commit");
        },
        |indices| {
            let mut rtxn = env.read_txn().expect("read txn");
            let found = indices.filter(|&i| {
                let value = db.get(&mut rtxn, &record_key(i)).expect("get");
                black_box(value).is_some_and(|v| v.len() == 100)
            });
            found.count() as u64
        },
        || {
            let mut rtxn = env.read_txn().expect("read txn");
            let iter = db.iter(&mut rtxn).expect("iter");
            iter.fold(0, |n, entry| {
                black_box(entry.expect("entry").1.len());
                n + 1
            })
        },
    );
    env.prepare_for_closing().wait();
    times
}

/// A configuration of the workload: a name and its run.
type Config = (&'static str, fn(Size) -> Times);

/// Every configuration; the first is the unencrypted baseline.
const CONFIGS: [Config; 6] = [
    ("unencrypted", plain),
    (
        "RustCrypto chacha20poly1305 0.10",
        encrypted::<chacha20poly1305_010::ChaCha20Poly1305>,
    ),
    (
        "pageseal ChaCha20Poly1305",
        encrypted::<pageseal_aead::ChaCha20Poly1305>,
    ),
    (
        "pageseal Aegis128X2",
        encrypted::<pageseal_aead::Aegis128X2>,
    ),
    ("pageseal Aegis128L", encrypted::<pageseal_aead::Aegis128L>),
    ("pageseal Aes256Gcm", encrypted::<pageseal_aead::Aes256Gcm>),
];

/// The best time of `KeyInit::new` plus drop for `E`, over rounds of
/// `iterations` keyings.
fn keyinit_cost<E: KeyInit>(iterations: u32) -> Duration {
    let key = aead05::Key::<E>::clone_from_slice(&vec![0x11; E::key_size()]);
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                drop(black_box(E::new(black_box(&key))));
            }
            start.elapsed() / iterations
        })
        .min()
        .expect("five rounds")
}

/// The best time of sealing one LMDB page (4096 bytes less LMDB's 16-byte
/// page header and the 16-byte tag) with a keyed `E`.
fn page_seal_cost<E: AeadInPlace + KeyInit>(iterations: u32) -> Duration {
    let key = aead05::Key::<E>::clone_from_slice(&vec![0x11; E::key_size()]);
    let aead = E::new(&key);
    let nonce = aead05::Nonce::<E>::default();
    let mut page = vec![0x5a; 4096 - 32];
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                let tag = aead.encrypt_in_place_detached(&nonce, b"", black_box(&mut page));
                black_box(tag.expect("seal"));
            }
            start.elapsed() / iterations
        })
        .min()
        .expect("five rounds")
}

/// Prints one row of the `KeyInit` table for `E`.
fn keyinit_row<E: AeadInPlace + KeyInit>(name: &str) {
    let keyinit = keyinit_cost::<E>(200_000);
    let seal = page_seal_cost::<E>(20_000);
    println!(
        "| {name} | {:.1} | {:.1} | {:.1} % |",
        keyinit.as_secs_f64() * 1e9,
        seal.as_secs_f64() * 1e9,
        100.0 * keyinit.as_secs_f64() / seal.as_secs_f64()
    );
}

fn main() {
    let numbers: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let records = numbers.first().copied().unwrap_or(300_000);
    let rounds = numbers.get(1).copied().unwrap_or(3) as usize;
    let batch = numbers.get(2).copied().unwrap_or(BATCH);
    let size = Size { records, batch };
    println!(
        "LMDB workload: {records} puts (100-byte values, {batch} per txn), {records} random gets \
         ({batch} per txn), one scan; best of {rounds} rounds per phase; MDB_NOSYNC"
    );

    let mut best: Vec<Option<Times>> = vec![None; CONFIGS.len()];
    for round in 0..rounds {
        for k in 0..CONFIGS.len() {
            let index = (round + k) % CONFIGS.len();
            let (name, run) = CONFIGS[index];
            let times = run(size);
            eprintln!(
                "round {round}: {name}: put {:.2} s, get {:.2} s, scan {:.2} s",
                times.put.as_secs_f64(),
                times.get.as_secs_f64(),
                times.scan.as_secs_f64()
            );
            best[index] = Some(best[index].map_or(times, |b| b.best(times)));
        }
    }

    let base = best[0].expect("baseline ran");
    println!();
    println!(
        "| configuration | put s | get s | scan s | total s | put × | get × | scan × | total × |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for ((name, _), times) in CONFIGS.iter().zip(&best) {
        let t = times.expect("every configuration ran");
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            t.put.as_secs_f64(),
            t.get.as_secs_f64(),
            t.scan.as_secs_f64(),
            t.total().as_secs_f64(),
            ratio(t.put, base.put),
            ratio(t.get, base.get),
            ratio(t.scan, base.scan),
            ratio(t.total(), base.total()),
        );
    }

    println!();
    println!("KeyInit::new + drop, and sealing one 4064-byte LMDB page with a keyed cipher:");
    println!("| cipher | KeyInit ns | seal of a page ns | KeyInit / seal |");
    println!("|---|---|---|---|");
    keyinit_row::<chacha20poly1305_010::ChaCha20Poly1305>("RustCrypto chacha20poly1305 0.10");
    keyinit_row::<pageseal_aead::Aes128Gcm>("pageseal Aes128Gcm");
    keyinit_row::<pageseal_aead::Aes256Gcm>("pageseal Aes256Gcm");
    keyinit_row::<pageseal_aead::ChaCha20Poly1305>("pageseal ChaCha20Poly1305");
    keyinit_row::<pageseal_aead::Aegis128L>("pageseal Aegis128L");
    keyinit_row::<pageseal_aead::Aegis128X2>("pageseal Aegis128X2");
    keyinit_row::<pageseal_aead::Aegis128X4>("pageseal Aegis128X4");
    keyinit_row::<pageseal_aead::Aegis256>("pageseal Aegis256");
    keyinit_row::<pageseal_aead::Aegis256X2>("pageseal Aegis256X2");
    keyinit_row::<pageseal_aead::Aegis256X4>("pageseal Aegis256X4");
}
