//! How many times this process's lineage has forked since it started
//! counting: a user-space random generator compares the count it was seeded
//! at with the current one and reseeds in a child, so a parent and its
//! child never continue the same stream.
//!
//! On Unix a `pthread_atfork` child handler counts every `fork()` made
//! through the C library (which is how Rust's standard library and every
//! C program fork). Elsewhere (no `fork`) the count stays 0.

use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// A word-sized counter (every target with atomics has one; not all have
/// 64-bit atomics). It would have to wrap, 2^32 forks at least, between a
/// generator's seeding and its next draw to hide a fork.
static GENERATION: AtomicUsize = AtomicUsize::new(0);

/// Registration state: 0 not yet, 1 under way, 2 done, 3 failed.
static REGISTERED: AtomicU8 = AtomicU8::new(0);

/// The fork generation of this process, or `None` when forks cannot be
/// detected here (the handler could not be registered): callers must then
/// draw every value from the operating system.
///
/// The first call registers the handler; a caller that seeds a generator
/// must call this *before* seeding, so that any later fork is counted.
#[inline]
pub fn fork_generation() -> Option<u64> {
    if REGISTERED.load(Ordering::Acquire) == 2 {
        return Some(GENERATION.load(Ordering::Acquire) as u64);
    }
    first_use()
}

/// Registers the handler (once, whichever thread gets here first) and
/// answers as [`fork_generation`] does.
#[cold]
fn first_use() -> Option<u64> {
    loop {
        match REGISTERED.load(Ordering::Acquire) {
            2 => return Some(GENERATION.load(Ordering::Acquire) as u64),
            3 => return None,
            1 => core::hint::spin_loop(),
            _ => {
                if REGISTERED
                    .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    let done = if register() { 2 } else { 3 };
                    REGISTERED.store(done, Ordering::Release);
                }
            }
        }
    }
}

#[cfg(unix)]
fn register() -> bool {
    unsafe extern "C" {
        fn pthread_atfork(
            prepare: Option<unsafe extern "C" fn()>,
            parent: Option<unsafe extern "C" fn()>,
            child: Option<unsafe extern "C" fn()>,
        ) -> core::ffi::c_int;
    }
    extern "C" fn in_child() {
        GENERATION.fetch_add(1, Ordering::AcqRel);
    }
    // SAFETY: `pthread_atfork` (POSIX, in every Unix C library) only
    // records the three pointers; the one given is a valid `extern "C"`
    // function with no arguments that does one atomic add, which is safe
    // to run in a freshly forked child.
    unsafe { pthread_atfork(None, None, Some(in_child)) == 0 }
}

/// No `fork` on this target: the generation never changes.
#[cfg(not(unix))]
fn register() -> bool {
    true
}
