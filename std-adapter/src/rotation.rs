//! Data-key rotation: a new key epoch for new writes, a migration that
//! re-seals pages of older epochs (safe to run while other threads use the
//! file), and dropping epochs no page uses any more.
//!
//! The migration rewrites each page in place with one positional write
//! under that page's lock. Like any page write, a crash in the middle of it
//! can tear that one page; a storage engine's journal or WAL covers that as
//! it covers its own writes. For a crash-safe whole-file rotation without
//! an engine, use [`crate::rotate_file`] (new file, then rename).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::pagefile::PageFile;
use crate::parallel::for_each_page;
use crate::random::FastRandom;
use crate::storage::Storage;

/// What a migration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Migration {
    /// Pages re-sealed under the current epoch.
    pub resealed: u64,
    /// Epochs dropped from the header afterwards.
    pub dropped: Vec<u32>,
}

impl<S: Storage> PageFile<S> {
    /// Adds a key epoch with a fresh random data key; new writes use it,
    /// pages under older epochs stay readable. Returns the new epoch. When
    /// the epoch table is full, epochs no page uses are dropped first.
    pub fn rotate(&self) -> Result<u32> {
        let mut session = self.write_session();
        let epoch = match session.rotate(&mut FastRandom) {
            Err(pageseal_core::Error::NoFreeEpoch)
                if self.drop_unused_epochs(&mut session)? > 0 =>
            {
                session.rotate(&mut FastRandom)
            }
            other => other,
        }
        .map_err(|e| Error::format(self.path(), e))?;
        self.persist(&mut session)?;
        Ok(epoch)
    }

    /// Drops every epoch (but the current one) for which `stale` is true;
    /// returns the epochs dropped. The header is written.
    pub(crate) fn drop_epochs(&self, stale: impl Fn(u32) -> bool) -> Result<Vec<u32>> {
        self.change(|session| {
            let current = session.current_epoch();
            let old: Vec<u32> = session
                .header()
                .epochs()
                .map(|(e, _)| e)
                .filter(|&e| e != current && stale(e))
                .collect();
            for &epoch in &old {
                session.drop_epoch(epoch)?;
            }
            Ok(old)
        })
    }

    /// Re-seals every page that is not under the current epoch, using
    /// `threads` threads, then drops the epochs that no page can use any
    /// more. `progress` is called with the number of pages done so far.
    pub fn migrate(&self, threads: usize, progress: &(dyn Fn(u64) + Sync)) -> Result<Migration> {
        let first = self.current_epoch();
        let resealed = AtomicU64::new(0);
        for_each_page(
            self.page_count(),
            threads,
            progress,
            |page, buf: &mut Vec<u8>| {
                buf.resize(self.page_size(), 0);
                let _guard = self.lock_page(page);
                self.read_raw(page, buf)?;
                let epoch = self
                    .read_session()
                    .page_epoch(buf)
                    .map_err(|e| Error::page(self.path(), page, e))?;
                if epoch == self.current_epoch() {
                    return Ok(());
                }
                self.open_raw(page, buf)?;
                // Re-sealed from the scratch buffer itself: no second copy
                // of the plaintext is made, and the scratch is wiped by the
                // worker when it ends.
                buf.truncate(self.payload_len());
                self.seal_and_write(page, buf)?;
                resealed.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        )?;
        // Every page now uses an epoch that was current at some point since
        // the migration began: `first` or later. Older ones are unused.
        let dropped = self.drop_epochs(|e| e < first)?;
        Ok(Migration {
            resealed: resealed.into_inner(),
            dropped,
        })
    }
}
