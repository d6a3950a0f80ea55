//! Sealed records on NOR flash: records written and read per second by
//! `pageseal-flash` (ChaCha20-Poly1305, and the keyless `checksum`) and by a
//! `sequential-storage` map storing the same values in the clear, both on
//! the same RAM mock flash (128 KiB, 8 KiB erase sectors, 4-byte words), for
//! 64-byte and 1 KiB values. Four record ids are rewritten in turn, so the
//! numbers include sector moves and erases in their steady-state share.
//!
//! Benchmark ids are `write/STORE/SIZE` and `read/STORE/SIZE`; throughput
//! is in records (elements) per second.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pageseal_core::{Portable, Suite};
use pageseal_flash::mock::MockFlash;
use pageseal_flash::{Config, FlashStore, NoRng, Nonces};
use sequential_storage::cache::Cache;
use sequential_storage::map::{MapConfig, MapStorage};

/// 16 sectors of 8 KiB, 4-byte words.
type Flash = MockFlash<131072, 4, 8192>;

/// Record ids rewritten in turn.
const IDS: u32 = 4;

fn flash() -> Box<Flash> {
    Box::new(Flash::new())
}

/// Runs a future that never waits (the mock flash completes at once).
fn block_on<T>(f: impl Future<Output = T>) -> T {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Write and read benches of pageseal-flash with `SLOT`-byte slots.
fn pageseal<const SLOT: usize>(c: &mut Criterion, suite: Suite, size: usize) {
    let config = Config {
        offset: 0,
        sectors: 16,
        max_records: IDS,
    };
    let value = vec![0x5a; size];
    let name = format!("pageseal-{suite}");
    let mut flash = flash();
    let cipher = Portable::new(suite, &[7; 32][..suite.key_len()]).unwrap();
    let mut store =
        FlashStore::<_, _, NoRng, SLOT>::format(&mut *flash, cipher, Nonces::sequence(), config)
            .unwrap();
    let mut id = 0;
    c.benchmark_group("write")
        .throughput(Throughput::Elements(1))
        .bench_function(BenchmarkId::new(&name, size), |b| {
            b.iter(|| {
                id = (id + 1) % IDS;
                store.write(id, black_box(&value)).unwrap();
            })
        });
    let mut out = vec![0; size];
    c.benchmark_group("read")
        .throughput(Throughput::Elements(1))
        .bench_function(BenchmarkId::new(&name, size), |b| {
            b.iter(|| {
                id = (id + 1) % IDS;
                assert_eq!(store.read(id, black_box(&mut out)).unwrap(), Some(size));
            })
        });
}

/// The same with a sequential-storage map of plain values (no cache).
fn sequential(c: &mut Criterion, size: usize) {
    let value = vec![0x5a; size];
    let mut flash = flash();
    let range = const { MapConfig::new(0..131072) };
    let mut map = MapStorage::<u8, _, _>::new(&mut *flash, range, Cache::new_uncached());
    let mut data = vec![0u8; size + 16];
    let mut id = 0u8;
    for i in 0..IDS as u8 {
        block_on(map.store_item(&mut data, &i, &&value[..])).unwrap();
    }
    c.benchmark_group("write")
        .throughput(Throughput::Elements(1))
        .bench_function(BenchmarkId::new("sequential-storage", size), |b| {
            b.iter(|| {
                id = (id + 1) % IDS as u8;
                block_on(map.store_item(&mut data, &id, &black_box(&value[..]))).unwrap();
            })
        });
    c.benchmark_group("read")
        .throughput(Throughput::Elements(1))
        .bench_function(BenchmarkId::new("sequential-storage", size), |b| {
            b.iter(|| {
                id = (id + 1) % IDS as u8;
                let got = block_on(map.fetch_item::<&[u8]>(&mut data, &id)).unwrap();
                assert_eq!(got.map(<[u8]>::len), Some(size));
            })
        });
}

fn flash_stores(c: &mut Criterion) {
    // 64-byte values in 128-byte slots; 1 KiB values in 1088-byte slots
    // (value + header, nonce, tag and commit marker, rounded to 16 bytes).
    for suite in [Suite::ChaCha20Poly1305, Suite::Checksum] {
        pageseal::<128>(c, suite, 64);
        pageseal::<1088>(c, suite, 1024);
    }
    sequential(c, 64);
    sequential(c, 1024);
}

criterion_group!(benches, flash_stores);
criterion_main!(benches);
