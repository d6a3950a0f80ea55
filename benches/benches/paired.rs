//! The speed targets of `benches/RESULTS.md`, measured in pairs: pageseal
//! and the peer of each target seal (and open) the same 4096-byte page in
//! alternating rounds of about a millisecond each, and each side keeps its
//! fastest round. Both sides see the same host in every round, so a slow
//! spell of a shared machine (which moves single criterion numbers by
//! 10–30 % here) slows both and mostly cancels out of the ratio.
//!
//! Opens are timed like the criterion bench times them: rounds of (copy
//! the sealed page into the buffer, open it) minus rounds of the copy
//! alone.
//!
//! Run: `cargo bench -p pageseal-benches --bench paired [-- ROUNDS]`
//! (default 200 rounds). With the primitive crates' software backends
//! forced (`RUSTFLAGS='--cfg aes_backend="soft" --cfg polyval_backend="soft"'`),
//! the `portable` row is the portable-path target.

mod contenders;

use std::hint::black_box;
use std::time::{Duration, Instant};

use contenders::{Contender, ours, peers};
use pageseal_core::Suite;
use pageseal_dispatch::Cipher;

/// Page size of the targets.
const PAGE: usize = 4096;
/// Target length of one round.
const ROUND: Duration = Duration::from_millis(1);

/// One target: pageseal on `backend` (`None`: the automatic choice)
/// against the peer named `peer`, and the required ratio.
struct Target {
    suite: Suite,
    backend: Option<&'static str>,
    peer: &'static str,
    at_least: f64,
}

const TARGETS: [Target; 6] = [
    Target {
        suite: Suite::Aes256Gcm,
        backend: None,
        peer: "ring",
        at_least: 1.0,
    },
    Target {
        suite: Suite::Aes256Gcm,
        backend: None,
        peer: "aes-gcm",
        at_least: 2.0,
    },
    Target {
        suite: Suite::Aegis128L,
        backend: None,
        peer: "libaegis",
        at_least: 1.0,
    },
    Target {
        suite: Suite::Aegis128X2,
        backend: None,
        peer: "libaegis",
        at_least: 1.0,
    },
    Target {
        suite: Suite::ChaCha20Poly1305,
        backend: None,
        peer: "ring",
        at_least: 0.8,
    },
    Target {
        suite: Suite::Aes256Gcm,
        backend: Some("portable"),
        peer: "aes-gcm",
        at_least: 1.0,
    },
];

/// Times `ops` calls of one operation per round; `run` does `ops` of them.
struct Side<'a> {
    run: Box<dyn FnMut(u64) -> Duration + 'a>,
    ops: u64,
    best: Duration,
}

impl<'a> Side<'a> {
    /// Calibrates the number of operations per round.
    fn new(mut run: Box<dyn FnMut(u64) -> Duration + 'a>) -> Self {
        run(10);
        let each = run(10) / 10;
        let ops = (ROUND.as_nanos() / each.as_nanos().max(1)).max(1) as u64;
        Side {
            run,
            ops,
            best: Duration::MAX,
        }
    }

    fn round(&mut self) {
        let t = (self.run)(self.ops);
        self.best = self.best.min(t);
    }

    /// Throughput of the best round, MB/s (10^6 bytes per second).
    fn mb_per_s(&self) -> f64 {
        (PAGE as u64 * self.ops) as f64 / self.best.as_secs_f64() / 1e6
    }
}

/// `x`'s seal, `ops` times on one L1-resident page.
fn sealing(x: &Contender) -> Box<dyn FnMut(u64) -> Duration + '_> {
    let mut buf = vec![0x42u8; PAGE];
    Box::new(move |ops| {
        let start = Instant::now();
        for _ in 0..ops {
            black_box((x.seal)(black_box(&mut buf)));
        }
        start.elapsed()
    })
}

/// `x`'s open, `ops` times: (copy + open) minus copy.
fn opening(x: &Contender) -> Box<dyn FnMut(u64) -> Duration + '_> {
    let mut sealed = vec![0x42u8; PAGE];
    let tag = (x.seal)(&mut sealed);
    let mut buf = sealed.clone();
    Box::new(move |ops| {
        let start = Instant::now();
        for _ in 0..ops {
            buf.copy_from_slice(black_box(&sealed));
            assert!(
                (x.open)(black_box(&mut buf), &tag),
                "{} failed to open",
                x.name
            );
        }
        let both = start.elapsed();
        let start = Instant::now();
        for _ in 0..ops {
            buf.copy_from_slice(black_box(&sealed));
            black_box(&mut buf);
        }
        both.saturating_sub(start.elapsed())
    })
}

fn main() {
    let rounds: usize = match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        None => 200,
        Some(arg) => match arg.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("paired: ROUNDS must be a positive integer, not {arg:?}");
                std::process::exit(2);
            }
        },
    };
    println!("| target | pageseal (backend) MB/s | peer MB/s | ratio | pageseal open/seal |");
    println!("|---|---:|---:|---:|---:|");
    for t in &TARGETS {
        let auto = Cipher::new(t.suite, &vec![0; t.suite.key_len()]).expect("key length");
        let backend = t.backend.unwrap_or(auto.backend().name());
        let mine = ours(t.suite).into_iter().find(|x| x.name == backend);
        let peer = peers(t.suite).into_iter().find(|x| x.name == t.peer);
        let (Some(mine), Some(peer)) = (mine, peer) else {
            println!("| {} seal vs {} | n/a | | | |", t.suite, t.peer);
            continue;
        };
        let mut sides = [
            Side::new(sealing(&mine)),
            Side::new(sealing(&peer)),
            Side::new(opening(&mine)),
        ];
        for _ in 0..rounds {
            for side in &mut sides {
                side.round();
            }
        }
        let [seal, peer_seal, open] = sides.map(|s| s.mb_per_s());
        println!(
            "| {} seal ≥ {}× {} | {seal:.0} ({backend}) | {peer_seal:.0} | {:.3}× | {:.2} |",
            t.suite,
            t.at_least,
            t.peer,
            seal / peer_seal,
            open / seal,
        );
    }
}
