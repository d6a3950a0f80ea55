//! Nonces stay unique across `fork()`: a process seals pages (so its
//! per-thread nonce generator is seeded and has a pool), forks, and parent
//! and child both seal many more pages; no nonce may appear twice among all
//! of them. Without the fork check the child would continue the parent's
//! stream and repeat every nonce.

#![cfg(unix)]

use pageseal::FastRandom;
use pageseal::core::{EpochCipher, PageFormat, Portable, Suite, trailer_len};

const PAGE: usize = 512;
const AFTER_FORK: usize = 3000;

/// Seals `n` pages and returns the nonce stored in each trailer.
fn seal_pages(n: usize) -> Vec<[u8; 16]> {
    let suite = Suite::Aegis128L;
    let format = PageFormat::new(suite, PAGE, [3; 16]).unwrap();
    let keys = EpochCipher {
        epoch: 1,
        cipher: Portable::new(suite, &[9; 16]).unwrap(),
    };
    let at = PAGE - trailer_len(suite) + 4;
    (0..n)
        .map(|i| {
            let mut page = vec![0u8; PAGE];
            format
                .seal(
                    &keys.cipher,
                    keys.epoch,
                    &mut FastRandom,
                    i as u64,
                    &mut page,
                )
                .unwrap();
            page[at..at + 16].try_into().unwrap()
        })
        .collect()
}

#[test]
fn parent_and_child_never_share_a_nonce() {
    let before = seal_pages(100);
    let dir = tempfile::tempdir().unwrap();
    let child_out = dir.path().join("child-nonces");
    // SAFETY: fork() is called with no lock of ours held; the child only
    // seals pages, writes a file and leaves with _exit, running no
    // destructors or atexit handlers of the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let nonces = seal_pages(AFTER_FORK).concat();
        let code = i32::from(std::fs::write(&child_out, nonces).is_err());
        // SAFETY: ends the child immediately, as a forked child must.
        unsafe { libc::_exit(code) };
    }
    let parent = seal_pages(AFTER_FORK);
    let mut status = 0;
    // SAFETY: waits for the child forked above; `status` is a valid out pointer.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: {status}"
    );
    let child: Vec<[u8; 16]> = std::fs::read(&child_out)
        .unwrap()
        .chunks(16)
        .map(|c| c.try_into().unwrap())
        .collect();
    assert_eq!(child.len(), AFTER_FORK);
    let all: Vec<&[u8; 16]> = before.iter().chain(&parent).chain(&child).collect();
    let distinct: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "a nonce repeated across the fork"
    );
}
