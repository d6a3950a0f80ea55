//! Criterion benches of page sealing and opening: every suite, on every
//! pageseal backend this CPU has and on the peer implementations, for page
//! sizes 512, 4096, 16384 and 65536 bytes, side by side in one run.
//!
//! Benchmark ids are `seal-SUITE/IMPLEMENTATION/PAGE_SIZE` and
//! `open-SUITE/IMPLEMENTATION/PAGE_SIZE`; pageseal's implementations are
//! named by backend (`portable`, `aes-ni`, `vaes256`, ...), peers by crate
//! (`ring`, `aes-gcm`, `chacha20poly1305`, `libaegis`). The whole page is
//! the message and 32 bytes of associated data stand for the page binding.
//! `cargo run -p pageseal-benches --bin render` turns the results into the
//! tables and the plot of `benches/RESULTS.md`.

mod contenders;

use std::hint::black_box;
use std::time::Instant;

use contenders::{ours, peers};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pageseal_core::Suite;

/// Page sizes measured.
const SIZES: [usize; 4] = [512, 4096, 16384, 65536];

fn pages(c: &mut Criterion) {
    for suite in Suite::ALL {
        let mut contenders = ours(suite);
        contenders.extend(peers(suite));

        let mut group = c.benchmark_group(format!("seal-{suite}"));
        for size in SIZES {
            group.throughput(Throughput::Bytes(size as u64));
            for x in &contenders {
                let mut buf = vec![0x42; size];
                group.bench_function(BenchmarkId::new(&x.name, size), |b| {
                    b.iter(|| (x.seal)(black_box(&mut buf)))
                });
            }
        }
        group.finish();

        let mut group = c.benchmark_group(format!("open-{suite}"));
        for size in SIZES {
            group.throughput(Throughput::Bytes(size as u64));
            for x in &contenders {
                let mut sealed = vec![0x42; size];
                let tag = (x.seal)(&mut sealed);
                // Each open needs a fresh copy of the sealed page. To time
                // opens of an L1-resident page, as seals are timed, each
                // sample times `iters` rounds of (copy, open) on one buffer
                // and then `iters` copies alone, and reports the difference.
                group.bench_function(BenchmarkId::new(&x.name, size), |b| {
                    b.iter_custom(|iters| {
                        let mut buf = sealed.clone();
                        let start = Instant::now();
                        for _ in 0..iters {
                            buf.copy_from_slice(black_box(&sealed));
                            assert!((x.open)(black_box(&mut buf), &tag));
                        }
                        let both = start.elapsed();
                        let start = Instant::now();
                        for _ in 0..iters {
                            buf.copy_from_slice(black_box(&sealed));
                            black_box(&mut buf);
                        }
                        both.saturating_sub(start.elapsed())
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, pages);
criterion_main!(benches);
