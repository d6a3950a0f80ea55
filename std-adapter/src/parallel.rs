//! Running per-page work on every core.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::Result;

/// Pages a thread claims at a time.
const CHUNK: u64 = 16;

/// The number of threads bulk operations use by default: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Calls `work(page, scratch)` for every page in `0..pages` on `threads`
/// threads (each with its own scratch buffer), reporting the number of pages
/// done to `progress`. Stops at the first error and returns it.
pub(crate) fn for_each_page<F>(
    pages: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    work: F,
) -> Result<()>
where
    F: Fn(u64, &mut Vec<u8>) -> Result<()> + Sync,
{
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut scratch = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= pages {
                        break;
                    }
                    for page in start..(start + CHUNK).min(pages) {
                        if let Err(e) = work(page, &mut scratch) {
                            stop.store(true, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                            break;
                        }
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                    }
                }
                zeroize::Zeroize::zeroize(&mut scratch);
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
