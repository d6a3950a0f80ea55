//! How long opening a database takes through the pageseal VFS with a raw
//! key (open, unlock, read and verify page 1 and the schema), next to the
//! same open of a plain database. A measurement, not a test:
//!
//!     cargo run --release -p pageseal-sqlite --example open_latency

use std::time::{Duration, Instant};

use pageseal_sqlite::core::{RawKey, Secret};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let dir = std::env::temp_dir().join(format!("pageseal-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sealed = dir.join("sealed.db");
    let plain = dir.join("plain.db");
    let key = RawKey::new([0x42; 32]);
    let schema =
        "CREATE TABLE a(x); CREATE TABLE b(y); CREATE INDEX ai ON a(x); INSERT INTO a VALUES (1);";
    pageseal_sqlite::open(&sealed, &Secret::RawKey(&key))?.execute_batch(schema)?;
    rusqlite::Connection::open(&plain)?.execute_batch(schema)?;
    const N: usize = 2000;
    let (mut ps, mut pl) = (Vec::with_capacity(N), Vec::with_capacity(N));
    for _ in 0..N {
        let t = Instant::now();
        let c = pageseal_sqlite::open(&sealed, &Secret::RawKey(&key))?;
        let n: i64 = c.query_row("SELECT count(*) FROM a", [], |r| r.get(0))?;
        ps.push(t.elapsed());
        drop(c);
        let t = Instant::now();
        let c = rusqlite::Connection::open(&plain)?;
        let m: i64 = c.query_row("SELECT count(*) FROM a", [], |r| r.get(0))?;
        pl.push(t.elapsed());
        assert_eq!((n, m), (1, 1));
    }
    let (ps, pl) = (median(ps), median(pl));
    println!(
        "open + first query, median of {N}: pageseal (raw key) {:.1} µs, plain {:.1} µs, difference {:.1} µs",
        ps.as_secs_f64() * 1e6,
        pl.as_secs_f64() * 1e6,
        (ps.as_secs_f64() - pl.as_secs_f64()) * 1e6
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
